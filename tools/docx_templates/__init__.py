"""One module per docxtpl template: NAME (the file in templates/docx) and build(path)."""
