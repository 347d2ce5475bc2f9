"""The analysis notebook, notebooks/fashion_mnist_analysis.ipynb.

The slow test executes it (a copy in memory; the file is not touched) with nbclient on the
real data and a small budget, and checks what it prints and draws. The fast tests check that
the stored copy holds the outputs of a complete run with the default (full) budget.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from skfmnist import CLASS_NAMES

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "fashion_mnist_analysis.ipynb"

# Cell id -> number of figures (image/png outputs) the cell shows; no other cell shows any.
FIGURE_CELLS = {
    "samples-raw": 1,
    "samples-scaled": 1,
    "history": 1,
    "per-class-plot": 1,
    "confusion-plot": 1,
    "mistakes": 1,
    "health-plot": 1,
}

SECTIONS = [
    "1. The data and its classes",
    "2. Raw and normalised samples",
    "3. The pipeline and its parameters",
    "4. Training",
    "5. Test accuracy, per class, with confidence intervals",
    "6. The confusion matrix and the most confused pairs",
    "7. Neuron health",
    "8. Cross-validation with the neuron-health scorer",
    "9. A small Optuna study",
    "10. Saving and reloading the model",
    "Where to go next",
]

CLASS_COUNTS_LINE = "training images per class: " + ", ".join(["6,000"] * 10)

# TensorFlow's C++ runtime writes notices (oneDNN, no CUDA) to file descriptor 2 at import,
# whatever TF_CPP_MIN_LOG_LEVEL says; with this the kernel leaves them on its own stderr
# instead of copying them into the notebook. Python warnings still reach the notebook.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def stdout(nb, cell_id):
    """Everything the cell printed."""
    (cell,) = [cell for cell in nb.cells if cell.get("id") == cell_id]
    return "".join(
        output.text
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def figure_counts(nb):
    counts = {}
    for cell in code_cells(nb):
        n = sum("image/png" in output.get("data", {}) for output in cell.outputs)
        if n:
            counts[cell.id] = n
    return counts


def problems(nb):
    """Error tracebacks and anything written to stderr (warnings), per cell."""
    found = []
    for cell in code_cells(nb):
        for output in cell.outputs:
            if output.output_type == "error":
                found.append((cell.id, f"{output.ename}: {output.evalue}"))
            elif output.output_type == "stream" and output.name == "stderr":
                found.append((cell.id, output.text))
    return found


def check_common_outputs(nb):
    """What every complete run shows, whatever the budget."""
    assert problems(nb) == []
    assert figure_counts(nb) == FIGURE_CELLS
    assert CLASS_COUNTS_LINE in stdout(nb, "data").splitlines()

    accuracy = stdout(nb, "accuracy")
    for name in CLASS_NAMES:
        assert re.search(
            rf"^{re.escape(name)} +\d+ +1,000 +0\.\d{{3}}  0\.\d{{3}}-[01]\.\d{{3}}$",
            accuracy,
            re.MULTILINE,
        ), name
    pairs = stdout(nb, "confused-pairs").splitlines()
    assert re.fullmatch(r"[\d,]+ misclassified test images; the 5 most confused pairs:", pairs[0])
    assert len(pairs) == 6
    assert all(
        re.fullmatch(r" +\d+ .+ predicted as .+ \(\d+\.\d% of the .+ images\)", p)
        for p in pairs[1:]
    )

    health = re.search(
        r"^dead neurons: (\d+) of 256 \((\d+\.\d)%\) on [\d,]+ training images, threshold 1e-04$",
        stdout(nb, "health"),
        re.MULTILINE,
    )
    assert health is not None
    assert float(health[2]) == round(100 * int(health[1]) / 256, 1)

    optuna = stdout(nb, "optuna")
    # Trial 0 is the enqueued seed recipe.
    assert re.search(
        r"^    0 COMPLETE   0\.\d{4}    256  0\.10    0\.30 1\.0e-03    64      0\.50$",
        optuna,
        re.MULTILINE,
    )
    assert re.search(r"^best trial: [0-5], validation accuracy 0\.\d{4}$", optuna, re.MULTILINE)

    persist = stdout(nb, "persist").splitlines()
    assert "identical predictions: True" in persist
    assert "identical probabilities: True" in persist


def float_after(label, text):
    return float(re.search(rf"{re.escape(label)} (\d+\.\d+)", text)[1])


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_on_a_small_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("SKFMNIST_EPOCHS", "2")
    monkeypatch.setenv("SKFMNIST_TRAIN_SIZE", "2000")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails

    check_common_outputs(nb)
    assert stdout(nb, "setup") == (
        "budget: up to 2 epochs on 2,000 training images, random_state=0\n"
        "cross-validation: 3 folds x 2 epochs on 2,000 images\n"
        "Optuna: 6 trials x 2 epochs on 2,000 images\n"
    )
    assert "training on 2,000 images, 200 to 200 per class" in stdout(nb, "data")
    assert re.match(r"trained 2 epochs in \d+ s; restored epoch [12] ", stdout(nb, "training"))
    assert 0.6 < float_after("test accuracy:", stdout(nb, "accuracy")) < 0.85

    cv = stdout(nb, "cv")
    assert cv.startswith("3-fold cross-validation, 2 epochs on 2,000 images\n")
    assert (
        len(re.findall(r"^  fold \d: accuracy 0\.\d{4}, neuron health [01]\.\d{4}", cv, re.M)) == 3
    )
    assert 0.5 < float_after("cv accuracy:", cv) < 0.85
    assert 0.8 <= float_after("cv neuron_health:", cv) <= 1.0
    assert stdout(nb, "optuna").startswith("6 trials, 2 epochs on 2,000 images\n")
    # The notebook leaves no files behind: an in-memory study, the model in a temporary folder.
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def stored():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_stored_notebook_holds_a_complete_full_budget_run(stored):
    nbformat.validate(stored)
    assert [cell.execution_count for cell in code_cells(stored)] == list(
        range(1, len(code_cells(stored)) + 1)
    )
    assert stdout(stored, "setup") == (
        "budget: up to 150 epochs on 60,000 training images, random_state=0\n"
        "cross-validation: 3 folds x 10 epochs on 10,000 images\n"
        "Optuna: 6 trials x 5 epochs on 5,000 images\n"
    )
    assert "training on 60,000 images, 6,000 to 6,000 per class" in stdout(stored, "data")
    check_common_outputs(stored)
    assert 0.88 < float_after("test accuracy:", stdout(stored, "accuracy")) < 0.92


def test_stored_notebook_has_the_sections_and_stays_small(stored):
    headings = [
        line.removeprefix("## ")
        for cell in stored.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert headings == SECTIONS
    assert NOTEBOOK.stat().st_size < 2_000_000
    # No per-epoch logs: every printed output is a short summary.
    for cell in code_cells(stored):
        for output in cell.outputs:
            if output.output_type == "stream":
                assert output.text.count("\n") <= 30, cell.id
        assert "execution" not in cell.metadata  # no timestamps
