"""A typical modern Flax NNX model file (the editor-latency benchmark's input)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx


@dataclasses.dataclass(frozen=True)
class Config:
    vocab_size: int = 1024
    num_layers: int = 4
    num_heads: int = 4
    embed_dim: int = 128
    mlp_dim: int = 512
    dropout_rate: float = 0.1
    max_len: int = 256


class Block0(nnx.Module):
    """Transformer block variant 0."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block1(nnx.Module):
    """Transformer block variant 1."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block2(nnx.Module):
    """Transformer block variant 2."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block3(nnx.Module):
    """Transformer block variant 3."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block4(nnx.Module):
    """Transformer block variant 4."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block5(nnx.Module):
    """Transformer block variant 5."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


class Block6(nnx.Module):
    """Transformer block variant 6."""

    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.norm1 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(
            num_heads=config.num_heads,
            in_features=config.embed_dim,
            decode=False,
            rngs=rngs,
        )
        self.norm2 = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.mlp_in = nnx.Linear(config.embed_dim, config.mlp_dim, rngs=rngs)
        self.mlp_out = nnx.Linear(config.mlp_dim, config.embed_dim, rngs=rngs)
        self.dropout = nnx.Dropout(config.dropout_rate, rngs=rngs)
        self.scale = nnx.Param(jnp.ones((config.embed_dim,)))

    def __call__(self, x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
        h = self.norm1(x)
        h = self.attn(h, mask=mask)
        x = x + self.dropout(h)
        h = self.norm2(x)
        h = nnx.gelu(self.mlp_in(h))
        h = self.mlp_out(h)
        return (x + self.dropout(h)) * self.scale[...]


BLOCKS = (Block0, Block1, Block2, Block3, Block4, Block5, Block6)


class Transformer(nnx.Module):
    def __init__(self, config: Config, *, rngs: nnx.Rngs):
        self.config = config
        self.embed = nnx.Embed(config.vocab_size, config.embed_dim, rngs=rngs)
        self.pos = nnx.Param(jax.random.normal(rngs.params(), (config.max_len, config.embed_dim)) * 0.02)
        self.blocks = nnx.List([block(config, rngs=rngs) for block in BLOCKS[: config.num_layers]])
        self.norm = nnx.LayerNorm(config.embed_dim, rngs=rngs)
        self.head = nnx.Linear(config.embed_dim, config.vocab_size, rngs=rngs)

    def __call__(self, tokens: jax.Array) -> jax.Array:
        length = tokens.shape[-1]
        x = self.embed(tokens) + self.pos[:length]
        mask = nnx.make_causal_mask(tokens)
        for block in self.blocks:
            x = block(x, mask=mask)
        return self.head(self.norm(x))


def loss_fn(model: Transformer, batch: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
    logits = model(batch["inputs"])
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, batch["targets"]).mean()
    return loss, logits


@nnx.jit
def train_step(model: Transformer, optimizer: nnx.Optimizer, metrics: nnx.MultiMetric, batch) -> jax.Array:
    grad_fn = nnx.value_and_grad(loss_fn, has_aux=True)
    (loss, logits), grads = grad_fn(model, batch)
    metrics.update(loss=loss, logits=logits, labels=batch["targets"])
    optimizer.update(model, grads)
    return loss


@nnx.jit
def eval_step(model: Transformer, metrics: nnx.MultiMetric, batch) -> None:
    loss, logits = loss_fn(model, batch)
    metrics.update(loss=loss, logits=logits, labels=batch["targets"])


def create(config: Config, seed: int = 0) -> tuple[Transformer, nnx.Optimizer, nnx.MultiMetric]:
    model = Transformer(config, rngs=nnx.Rngs(seed))
    schedule = optax.warmup_cosine_decay_schedule(0.0, 3e-4, 100, 10_000)
    optimizer = nnx.Optimizer(model, optax.adamw(schedule, weight_decay=0.01), wrt=nnx.Param)
    metrics = nnx.MultiMetric(accuracy=nnx.metrics.Accuracy(), loss=nnx.metrics.Average("loss"))
    return model, optimizer, metrics


def batches(key: jax.Array, config: Config, size: int = 8, length: int = 64):
    while True:
        key, sub = jax.random.split(key)
        tokens = jax.random.randint(sub, (size, length + 1), 0, config.vocab_size)
        yield {"inputs": tokens[:, :-1], "targets": tokens[:, 1:]}


def param_count(model: nnx.Module) -> int:
    state = nnx.state(model, nnx.Param)
    return sum(x.size for x in jax.tree.leaves(state))


def summarize(history: list[dict[str, Any]]) -> dict[str, float]:
    keys = functools.reduce(lambda a, b: a | set(b), history, set())
    return {k: float(jnp.mean(jnp.array([h[k] for h in history if k in h]))) for k in sorted(keys)}


def main(steps: int = 10) -> dict[str, float]:
    config = Config()
    model, optimizer, metrics = create(config)
    data = batches(jax.random.key(1), config)
    history = []
    for step in range(steps):
        model.train()
        loss = train_step(model, optimizer, metrics, next(data))
        if step % 5 == 0:
            model.eval()
            eval_step(model, metrics, next(data))
            history.append({k: float(v) for k, v in metrics.compute().items()})
            metrics.reset()
        history.append({"train_loss": float(loss)})
    return summarize(history)


if __name__ == "__main__":
    print(param_count(Transformer(Config(), rngs=nnx.Rngs(0))))
    print(main())
