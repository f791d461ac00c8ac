"""Each form's additions to the common document context (forms_service.context), one module per form."""
from . import penalty_notice_leave  # noqa: F401
