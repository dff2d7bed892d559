"""An NNX 0.10-era training script (written for flax 0.10.x).

On today's Flax it raises at `nnx.Optimizer(model, tx)`. `flake8-flax fix --unsafe-fixes` migrates it:
`wrt=nnx.Param` is added and `optimizer.update(grads)` becomes `optimizer.update(model, grads)`.
"""
import jax.numpy as jnp
import optax
from flax import nnx


class MLP(nnx.Module):
    def __init__(self, din, dmid, dout, *, rngs: nnx.Rngs):
        self.linear = nnx.Linear(din, dmid, rngs=rngs)
        self.out = nnx.Linear(dmid, dout, rngs=rngs)

    def __call__(self, x):
        return self.out(nnx.relu(self.linear(x)))


model = MLP(2, 16, 1, rngs=nnx.Rngs(0))
optimizer = nnx.Optimizer(model, optax.adam(1e-2))


@nnx.jit
def train_step(model, optimizer, x, y):
    def loss_fn(model):
        return ((model(x) - y) ** 2).mean()

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(grads)
    return loss


x = jnp.linspace(-1.0, 1.0, 32).reshape(16, 2)
y = x.sum(axis=1, keepdims=True)
losses = [float(train_step(model, optimizer, x, y)) for _ in range(50)]
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")
assert losses[-1] < losses[0] / 4
