"""Stop a training run at a chosen optimiser step, as Ctrl-C or a crash would."""
import torch


def interrupt_at(monkeypatch, step, exc):
    """Make the optimiser's clip step raise ``exc`` at optimiser step ``step`` (1-based)."""
    real, calls = torch.nn.utils.clip_grad_norm_, [0]

    def clip(*a, **k):
        calls[0] += 1
        if calls[0] == step:
            raise exc
        return real(*a, **k)
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", clip)
