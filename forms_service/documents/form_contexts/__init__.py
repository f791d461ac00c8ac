"""Each form's additions to the common document context (forms_service.documents.context): one module per
form, named after it, registering itself with `@extra(form_id)`. Every module here is loaded."""
import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
