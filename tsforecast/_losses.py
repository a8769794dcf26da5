"""Training losses beyond torch.nn.functional's: the pinball (quantile) loss.

Works on the flat network outputs that train_module passes; imports torch only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def pinball_loss(levels) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``loss(outputs, targets)`` for quantile regression, averaged over quantiles.

    ``outputs`` (N, K * Q) hold ``Q = len(levels)`` quantiles per target value, quantiles last;
    ``targets`` (N, K). The loss of level ``q`` at error ``e = target - output`` is
    ``max(q * e, (q - 1) * e)``.
    """
    quantiles = torch.tensor(levels, dtype=torch.float32)

    def loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        q = quantiles.to(dtype=outputs.dtype, device=outputs.device)
        errors = targets[..., None] - outputs.view(*targets.shape, len(q))  # (N, K, Q)
        return torch.maximum(q * errors, (q - 1) * errors).mean()

    return loss
