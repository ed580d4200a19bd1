"""Ingest: a folder of articles in; documents (text exactly as read, boilerplate marked) and chunks
with character offsets into the original files out."""
