"""EmbSum (RecSys 2024) for embsum-stream: text contract, model, data, trainer."""
