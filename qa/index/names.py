"""The file names of an index folder, in a module that imports nothing heavy (no FAISS), so that
the CLI can look for an index before any model or library loads."""

MANIFEST = "manifest.json"
LOCK = ".lock"
JOURNAL = ".qa-files.json"  # every file name this index's writers created; cleanup removes only these
