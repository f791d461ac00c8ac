"""The school's pupils, entered once (issue 18): its MIS export imported (`imports`), and the children
of its own earlier records, found by name or UPN (`search`) and turned into a form's first answers
(`answers`)."""
