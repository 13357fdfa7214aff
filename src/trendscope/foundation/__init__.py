"""What every stage shares, and nothing stage-specific: errors, the data home and its paths and locks,
the database connection and transactions, time and ISO-week helpers, hashing and the word tokenizer.

It imports no stage. Each stage imports from here, never from another stage for these.
"""
