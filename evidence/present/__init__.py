"""Stage 5, the presentation: HTML tables, altair charts, the evidence explorer and the `Page`
object the chapters call. May import the data, validation, watch and synthesis stages,
never `evidence.release` or `evidence.bench`."""
