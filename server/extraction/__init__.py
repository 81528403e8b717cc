"""Forum pages -> threads of posts, read with the site profiles shared with the extension.

- `extract.py`: a saved thread page (HTML) -> one thread (`extract_thread`).
- `textdump.py`: a thread page copied as plain text -> one thread (`split_text_dump`).
- `profiles.py`: extension/site-profiles.json, and which profile fits a page.
- `pagetext.py`: an element -> the text a member wrote, as the extension reads it.
- `generic.py`: a profile guessed for a page no profile recognises.

The batch command and the upload page (server/batch/) read their inputs with these;
the quality report (models/evaluate.py) reads the seed thread with them, outside the
service. So nothing here imports Flask, and this file imports nothing: importing one
module costs that module alone (tests/batch/test_extraction_imports.py).
"""
