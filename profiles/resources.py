"""django-import-export resources: one per model (built with the workbook issue)."""
