"""The migration matrix: mmagic's schedulers against the PyTorch and mmengine ones users swap in.

``--impl=conformance.migration:<name>`` runs the suite on one replacement (adapters.py);
``python -m conformance.migration`` runs all four and writes docs/migration.md (matrix.py).
"""

from .adapters import ADAPTERS, MmengineLinear, MmenginePlateau, TorchLinear, TorchPlateau

__all__ = ['ADAPTERS', 'mmengine_linear', 'mmengine_plateau', 'torch_linear', 'torch_plateau']

torch_plateau = TorchPlateau
mmengine_plateau = MmenginePlateau
torch_linear = TorchLinear
mmengine_linear = MmengineLinear
