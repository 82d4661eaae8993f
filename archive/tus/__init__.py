"""Resumable uploads over tus 1.0.0, for reporters on weak mobile connections.

protocol.py speaks the headers, store.py keeps the bytes (a file under MEDIA_ROOT/tus/, or S3 parts),
services.py takes them in under a per-upload lease and hands the whole file to archive.services' ingest,
views.py answers HTTP (see its docstring for the addresses), cleanup.py deletes abandoned uploads.
"""
