"""Generators of the committed cross-language golden files (docs/development.md, "Generated
files that are committed"). They are build tools, not runtime code: nothing in embsum, the
exporter or the retrain pipeline imports them (training-batch/tests/test_package_graph.py).

    python -m embsum.golden.text_contract      # schemas/golden/text-contract.json
"""
