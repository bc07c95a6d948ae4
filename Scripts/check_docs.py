#!/usr/bin/env python3
"""Converts every library module's DocC catalog and fails on a warning in this repository's
catalogs or doc comments (a link to a symbol that moved or stopped being public, a topic that
names nothing, an ambiguous link).

Usage: python3 Scripts/check_docs.py <package.json> <symbol-graph-dir> <work-dir>
  <package.json>      `swift package dump-package` of this package
  <symbol-graph-dir>  `swift package dump-symbol-graph --minimum-access-level public` output
  <work-dir>          where the archives and the diagnostics go (emptied first)
Run through Scripts/check-docs, which makes the first two.

The modules are converted in dependency order, each with its dependencies' archives
(`--dependency`), as swift-docc-plugin's combined documentation does: a comment may link to
another module's symbol with an absolute path (``/Dapper/DropReason/queueFull``), and that
link is checked like a local one. `--analyze`'s notes (article layout suggestions) are not
failures.
"""
import json
import os
import shutil
import subprocess
import sys
import time

DOCC = os.environ.get("DOCC", shutil.which("docc") or "/opt/swift/usr/bin/docc")


def documented_modules(package, root):
    """Library targets with a catalog, each with the documented targets it depends on."""
    library_targets = {t for p in package["products"] if "library" in p["type"] for t in p["targets"]}
    targets = {t["name"]: t for t in package["targets"]}
    catalogs = {}
    for name in sorted(library_targets):
        catalog = os.path.join(root, targets[name]["path"], f"{name}.docc")
        if os.path.isdir(catalog):
            catalogs[name] = catalog
        else:
            sys.exit(f"check-docs: {name} has no catalog at {catalog}")

    def direct(name):
        for dependency in targets[name]["dependencies"]:
            kind, value = next(iter(dependency.items()))
            if kind in ("byName", "target") and value[0] in targets:
                yield value[0]

    closure = {}

    def transitive(name):
        if name not in closure:
            found = set()
            for dependency in direct(name):
                found.add(dependency)
                found |= transitive(dependency)
            closure[name] = found
        return closure[name]

    order, done = [], set()

    def visit(name):
        if name in done:
            return
        done.add(name)
        for dependency in sorted(transitive(name) & catalogs.keys()):
            visit(dependency)
        order.append(name)

    for name in sorted(catalogs):
        visit(name)
    return [(name, catalogs[name], sorted(transitive(name) & catalogs.keys())) for name in order]


def graph_dir_for(module, graphs, work):
    """A directory with the module's own graph and its extensions' (Module@Other), nothing else."""
    own = os.path.join(work, "graphs", module)
    os.makedirs(own)
    for name in os.listdir(graphs):
        if name == f"{module}.symbols.json" or (name.startswith(f"{module}@") and name.endswith(".symbols.json")):
            os.symlink(os.path.join(graphs, name), os.path.join(own, name))
    if not os.path.exists(os.path.join(own, f"{module}.symbols.json")):
        sys.exit(f"check-docs: no symbol graph for {module} in {graphs}")
    return own


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    package_json, graphs, work = sys.argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ours = os.path.join(root, "Sources") + os.sep
    with open(package_json) as handle:
        package = json.load(handle)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures, foreign = [], []
    for module, catalog, dependencies in documented_modules(package, root):
        started = time.monotonic()
        archive = os.path.join(work, f"{module}.doccarchive")
        diagnostics = os.path.join(work, f"{module}.diagnostics.json")
        command = [
            DOCC, "convert", catalog,
            "--additional-symbol-graph-dir", graph_dir_for(module, graphs, work),
            "--fallback-display-name", module,
            "--fallback-bundle-identifier", f"org.dapper.{module}",
            "--output-dir", archive,
            "--enable-experimental-external-link-support",
            "--diagnostics-file", diagnostics,
        ]
        for dependency in dependencies:
            command += ["--dependency", os.path.join(work, f"{dependency}.doccarchive")]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0 or not os.path.exists(diagnostics):
            print(result.stdout)
            sys.exit(f"check-docs: docc failed on {module} (exit status {result.returncode})")
        with open(diagnostics) as handle:
            found = json.load(handle)["diagnostics"]
        count = 0
        for diagnostic in found:
            if diagnostic["severity"] not in ("warning", "error"):
                continue
            source = diagnostic.get("source", "").removeprefix("file://")
            start = diagnostic.get("range", {}).get("start", {})
            line = f"{source or module}:{start.get('line', 0)}:{start.get('column', 0)}: " \
                   f"{diagnostic['severity']}: {diagnostic['summary']}"
            # A warning on a dependency's comment is not ours to fix; one with no source is
            # about our catalog or graph.
            if source and not source.startswith(ours):
                foreign.append(line)
            else:
                failures.append(line)
                count += 1
        print(f"{module}: {count} warnings ({time.monotonic() - started:.1f} s)")
    for line in foreign:
        print(f"(not ours) {line}")
    for line in failures:
        print(line)
    if failures:
        sys.exit(f"check-docs: {len(failures)} DocC warnings in Sources/")


if __name__ == "__main__":
    main()
