"""Stage 6, the release: citation metadata from CITATION.cff, cutting a release, the downloads,
the Atom feed, the assembled multi-version site, and headless Chromium for the PDF. May import
any earlier stage, never `evidence.bench`."""
