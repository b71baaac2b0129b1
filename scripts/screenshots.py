"""The README's screenshots, made from the demo's data: start `runbase server --demo` on a temporary data dir,
wait for its run and automation delivery, log a few more runs (a small learning-rate and optimizer sweep, a
dataset artifact logged by one run and used by another) with the SDK, sign in with Playwright and Debian's
Chromium, and write PNGs of the main pages into docs/screenshots/ (1280x800, reduced to a 256-colour palette
and optimised, so they stay small in the repository).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

It builds the web app first (scripts/build_web.sh, which does nothing when web/ is unchanged). Everything it
starts is stopped and its data dir removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import free_port, server_process  # noqa: E402  (the benchmarks' server harness)

CHROMIUM = "/usr/bin/chromium"
VIEWPORT: Any = {"width": 1280, "height": 800}  # Playwright's ViewportSize
DEMO_DONE = "runbase demo: the automation"  # the demo's last line: the webhook arrived (or did not)
SWEEP = [("adam", 0.003), ("adam", 0.001), ("adam", 0.0003), ("sgd", 0.03), ("sgd", 0.01), ("lion", 0.0003)]
STEPS = 3_000


@contextlib.contextmanager
def demo_server(data_dir: Path, key: str) -> Iterator[str]:
    """`runbase server --demo` until the demo has logged its run and its automation's webhook came (or not)."""
    port = free_port()
    log = data_dir.parent / "server.log"
    argv = [str(Path(sys.executable).with_name("runbase")), "server", "--demo", "--port", str(port),
            "--data-dir", str(data_dir)]
    url = f"http://127.0.0.1:{port}"
    with server_process(argv, url + "/healthz", log, {**os.environ, "RUNBASE_ADMIN_API_KEY": key}) as proc:
        deadline = time.monotonic() + 120
        while DEMO_DONE not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo server did not finish its demo:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url


def curve(rng: random.Random, step: int, lr: float, floor: float) -> float:
    """A training loss: fast at first, noisy, settling at `floor`."""
    return (floor + 2.3 * math.exp(-step * lr / 100)) * math.exp(rng.gauss(0, 0.03))


def log_history(run: Any, rng: random.Random, optimizer: str, lr: float, floor: float, steps: int) -> None:
    for step in range(steps):
        loss = curve(rng, step, lr * 10 if optimizer == "sgd" else lr * 100, floor)
        row = {"train/loss": loss, "train/acc": max(0.0, min(1.0, 1 - loss / 2.4 + rng.gauss(0, 0.01))),
               "lr": lr * (0.5 + 0.5 * math.cos(math.pi * step / steps))}
        if step % 100 == 99:
            row["val/loss"] = loss * 1.1 + abs(rng.gauss(0, 0.02))
            row["val/acc"] = max(0.0, 1 - row["val/loss"] / 2.4)
        run.log(row, step=step)
    run.summary["best_val_acc"] = 1 - floor / 2.4


def log_runs(url: str, key: str, root: Path) -> None:
    """A small sweep in the demo project, with a dataset artifact that the first run logs and the others use,
    and a second, smaller project."""
    import runbase

    settings = runbase.Settings(api_key=key, base_url=url, root_dir=str(root), quiet=True, program="train.py")
    data = root / "data"
    data.mkdir(parents=True)
    (data / "train.csv").write_text("".join(f"{i},{i % 10}\n" for i in range(200)))
    (data / "README.md").write_text("# digits-small\n\n200 labelled samples for the demo.\n")
    for n, (optimizer, lr) in enumerate(SWEEP):
        config = {"optimizer": optimizer, "lr": lr, "batch_size": 64 * (1 + n % 2), "layers": 4 + n % 3,
                  "dropout": 0.1}
        with runbase.init(project="demo", name=f"{optimizer}-lr{lr:g}", config=config, group="sweep-1",
                          tags=["sweep", optimizer], notes="learning-rate sweep", settings=settings,
                          reinit="create_new") as run:
            if n == 0:
                artifact = runbase.Artifact("digits-small", type="dataset", description="200 labelled samples",
                                            metadata={"rows": 200, "classes": 10, "source": "generated"})
                artifact.add_dir(str(data))
                run.log_artifact(artifact, aliases=["latest", "v-demo"])
            else:
                run.use_artifact("digits-small:latest")
            log_history(run, random.Random(n), optimizer, lr, 0.05 + 0.04 * n, STEPS)
    for n, (optimizer, lr) in enumerate(SWEEP[:3]):
        with runbase.init(project="vision-baseline", config={"optimizer": optimizer, "lr": lr}, tags=["baseline"],
                          settings=settings, reinit="create_new") as run:
            log_history(run, random.Random(100 + n), optimizer, lr, 0.1, 500)


def sign_in(page: Any, url: str, key: str) -> None:
    page.goto(url + "/")
    page.wait_for_url(re.compile(r"/signin"))
    page.fill("#api-key", key)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def optimise(path: Path) -> int:
    """A 256-colour palette and the encoder's best compression: a fifth of the size, the UI unchanged to the eye."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path.stat().st_size


def shoot(url: str, key: str, out: Path) -> dict[str, int]:
    """The main pages, each once what it shows has loaded (charts drawn, rows in the table)."""
    from playwright.sync_api import sync_playwright

    import runbase

    api = runbase.Api(overrides={"base_url": url}, api_key=key)
    runs = {run.name: run for run in api.runs("admin/demo")}
    shown = runs[f"{SWEEP[0][0]}-lr{SWEEP[0][1]:g}"]
    automation = next(iter(api.automations(entity="admin")))
    cols = "config:optimizer,config:lr,summary:best_val_acc,summary:train%2Floss"
    sizes = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        sign_in(page, url, key)

        def shot(name: str, path: str, ready: str, scroll_to: str | None = None) -> None:
            page.goto(url + path)
            page.wait_for_function(ready)
            if scroll_to:
                page.evaluate("s => { document.querySelector(s).scrollIntoView(); window.scrollBy(0, -8); }", scroll_to)
            page.wait_for_timeout(300)  # fonts and the last layout settle
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            sizes[target.name] = optimise(target)

        charts = ("() => { const cs = [...document.querySelectorAll('[data-section=\"history\"] .chart')]; "
                  "return cs.length > 0 && cs.every((c) => c.uplot && c.uplot.status === 1); }")
        shot("projects", "/", "() => document.querySelectorAll('main a').length > 0")
        shot("runs-table", f"/admin/demo?cols={cols}&order=-summary_metrics.best_val_acc",
             "() => document.querySelectorAll('table.runs-table tbody tr[data-run]').length >= 7")
        shot("run-overview", f"/admin/demo/runs/{shown.id}", charts)
        shot("run-charts", f"/admin/demo/runs/{shown.id}", charts, scroll_to=".chart-section")
        shot("artifact-version", "/admin/demo/artifacts/dataset/digits-small/v0",
             "() => document.querySelectorAll('svg, table').length > 0 && !document.querySelector('.loading')")
        shot("automations", "/admin/demo/automations", "() => !document.querySelector('.loading') && "
             "document.body.innerText.includes('runbase-demo')")
        shot("automation-deliveries", f"/admin/demo/automations/{automation.id}",
             "() => !document.querySelector('.loading') && document.body.innerText.includes('runbase-demo')")
        browser.close()
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    subprocess.run([str(ROOT / "scripts" / "build_web.sh")], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(24)
    os.environ["RUNBASE_DISABLE_STATS"] = "true"  # no system-metrics sampling in the runs logged here
    with tempfile.TemporaryDirectory(prefix="runbase-shots-") as tmp, demo_server(Path(tmp) / "data", key) as url:
        log_runs(url, key, Path(tmp) / "sdk")
        sizes = shoot(url, key, args.out)
    for name, size in sizes.items():
        print(f"{args.out / name}: {size / 1024:,.0f} KiB")
    print(f"{len(sizes)} screenshots, {sum(sizes.values()) / 1024:,.0f} KiB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
