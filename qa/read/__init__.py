"""Read: question + passages in, candidate spans out (the trained span reader and its training)."""
