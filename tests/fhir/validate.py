#!/usr/bin/env python3
"""Validates FHIR R4 Questionnaire JSON files with the `fhir.resources` package.

Usage: python3 tests/fhir/validate.py FILE...

Uses the R4B models (R4B changed nothing in Questionnaire that steg writes). The package checks
structure and datatypes: unknown or misspelt elements, wrong value types, wrong cardinality.
It does not check the semantic rules (unique linkIds, enableWhen pointing at an earlier item);
steg's own tests (tests/forms.rs) do.

Exit codes: 0 every file valid, 1 some file invalid, 2 the package is missing or no files.
"""

import json
import sys


def main(paths):
    try:
        from fhir.resources.R4B.questionnaire import Questionnaire
    except ImportError as e:
        print(
            f"fhir.resources is not installed ({e}); "
            "run: pip install -r tests/fhir/requirements.txt",
            file=sys.stderr,
        )
        return 2
    if not paths:
        print("no files given", file=sys.stderr)
        return 2
    valid = invalid = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("resourceType") != "Questionnaire":
                raise ValueError(f"resourceType is {data.get('resourceType')!r}")
            q = Questionnaire.model_validate(data)
            items = count_items(q.item or [])
            print(f"valid   {path} ({items} items)")
            valid += 1
        except Exception as e:  # report every file, whatever went wrong
            print(f"INVALID {path}: {e}")
            invalid += 1
    print(f"{valid} valid, {invalid} invalid")
    return 1 if invalid else 0


def count_items(items):
    return sum(1 + count_items(i.item or []) for i in items)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
