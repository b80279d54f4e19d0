"""Writing and checking TensorBoard event files, without TensorFlow.

`records` frames records with a C CRC32C, `scalar_events` encodes scalar
events from templates, `writer.RunWriter` appends to one run folder,
`flusher.Flusher` is the writer thread, and `reader` reads scalars back as
tensorboard does and names each damaged file.
"""
