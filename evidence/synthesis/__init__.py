"""Stage 3, the synthesis: counting patients once per cohort, summaries per disease, target and
event, proportions with exact intervals, and the certainty ratings as judged in the data.
Works on data frames; may import `evidence.data` and `evidence.validate`, never a later stage."""
