__version__ = "0.1.0"

# A wrong torch/torchvision/torchaudio combination stops here with one line, not a linker error deep inside a module.
from .install import check_torch_stack
check_torch_stack()
