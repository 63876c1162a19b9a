"""The documents tab: PDFs and images in the record (and dictation audio): upload checks, storage,
serving the stored file."""
