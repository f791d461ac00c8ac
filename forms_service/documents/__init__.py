"""Documents: the one context a form's DOCX and PDF are rendered from, and the renderers. Pure: never
touches the database."""
