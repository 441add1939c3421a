"""Jobs over many documents: JSONL files, folders of .txt files, CSV and Parquet tables; atomic,
resumable, id-keyed."""
