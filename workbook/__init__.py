"""The one import engine for every sheet of the ISCM Profiles workbook (DESIGN.md §4, §6).

- `registry.py`: each app registers its sheets here (profiles now; surveys next) — read it
  first to add a sheet;
- `columns.py`: how sheets and columns are described, and how one cell is read/written;
- `safety.py`: upload safety — limits and budgets, and the checks run before a parser
  reads a byte of an .xlsx or .docx;
- `engine.py`: `import_workbook()` — read, validate, preview, apply all or nothing;
- `writer.py`: writing workbooks (registered sheets, About sheet);
- `resources.py`: django-import-export resources generated from the sheets (per-model
  import/export in the admin) and the safe file formats they read;
- `admin.py`: the admin's workbook import (preview, confirm) and template download;
  `model_admin.py`: the per-model import/export mixin (django-import-export's pages);
  `uploads.py`: what both share (upload size checks, pending ids, file responses);
- `models.py`, `pending.py`: uploads waiting between preview and confirmation, kept in
  the database (shared by every app server), bound to their user, expiring after 6 hours
  (`manage.py clear_pending_uploads` removes expired ones).
"""
