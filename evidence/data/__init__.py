"""Stage 1, the data: where the book is, reading and writing the CSV tables and refs.bib, the
data model's rules (GRADE levels), the slice of data a page declares and its digest, and the
release snapshots of the evidence. Imports nothing from the later stages."""
