"""Eval: gold files in (question JSONL, claim JSONL, SQuAD JSON); EM/F1, abstention, recall@k,
claim accuracy and latency reports out."""
