"""The analysis the callback and the report share: pure, no Keras, no files.

Step records (`steps`), their aggregation (`stats`, `passes`, `sketch`,
`decimator`), the end-of-call text (`summary`) and the verdict (`verdict`).
`timer/` feeds it live, `report/` from event files; it imports neither.
"""
