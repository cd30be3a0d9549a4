

def write_results(out: str, stem: str, text: str, data) -> None:
    """Write a benchmark's table (``stem.md``) and raw numbers (``stem.json``) under ``out``, and print the table."""
    import json
    from pathlib import Path

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.md").write_text(text)
    (folder / f"{stem}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(text)
