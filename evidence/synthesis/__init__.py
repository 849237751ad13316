"""Stage 4, the synthesis: counting patients once per cohort, summaries per disease, target and
event, proportions with exact intervals, and the certainty ratings as judged in the data.
Works on data frames; may import the data, validation and watch stages, never a later one."""
