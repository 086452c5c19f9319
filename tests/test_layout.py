"""The package layout (issue 24, item 1): public subpackages hold the public names, and
the private layers import in one direction (docs/architecture.md, "The layers")."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import skrnn
import skrnn.forecasting
import skrnn.neural_network
import skrnn.preprocessing

ROOT = Path(skrnn.__file__).parent


@pytest.mark.parametrize("package", [skrnn.neural_network, skrnn.preprocessing, skrnn.forecasting])
def test_public_subpackages_hold_the_names_skrnn_exports(package):
    assert package.__all__
    for name in package.__all__:
        assert name in skrnn.__all__
        assert getattr(package, name) is getattr(skrnn, name)


def test_importing_skrnn_imports_neither_sktime_nor_the_deployment_packages():
    code = (
        "import sys, skrnn; "
        "print(sorted(m for m in ('sktime', 'safetensors', 'onnx', 'skrnn._deploy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _imports(layer: str) -> set[str]:
    """The skrnn subpackages and third-party roots the modules of ``layer`` import."""
    found = set()
    for path in (ROOT / layer).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 2 and node.module:  # from ..<subpackage>.<module>
                    found.add(node.module.split(".")[0])
                elif node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_the_private_layers_import_downward():
    layers = {"_input", "_torch", "_training", "_deploy"}
    public = {"neural_network", "preprocessing", "forecasting"}
    assert not _imports("_input") & (layers | public | {"skorch"})
    torch_layer = _imports("_torch")
    assert "skorch" not in torch_layer and not torch_layer & (public | {"_training", "_deploy"})
    assert not _imports("_training") & (public | {"_deploy"})
    assert not _imports("preprocessing") & {"neural_network", "forecasting", "_deploy"}
    assert not _imports("neural_network") & {"forecasting", "_deploy"}
