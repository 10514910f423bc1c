"""The sweep file's schema (pydantic): axes, member, cluster and report settings.

Every model forbids unknown keys, so a misspelt key is an error naming the
file and the key (with a "did you mean", see :mod:`zndeposit.sweep.spec`).
The reference of every key is ``docs/sweeps.md``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: a sweep name: one plain path component (no "/", no "..", no leading dot)
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")

Number = float | int
NumberOrQuantity = float | int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RangeSpec(_Strict):
    """Evenly spaced values from ``start`` to ``stop`` (both included), with or without units."""

    start: NumberOrQuantity = Field(description='first value, e.g. 0.2 or "1 mA/cm^2"')
    stop: NumberOrQuantity = Field(description="last value (same dimension as start)")
    num: int | None = Field(None, ge=2, description="number of values (>= 2)")
    step: NumberOrQuantity | None = Field(None, description="spacing (linear scale only)")
    scale: Literal["linear", "log"] = Field("linear", description="linear or logarithmic spacing")

    @model_validator(mode="after")
    def _one_count(self) -> RangeSpec:
        if (self.num is None) == (self.step is None):
            raise ValueError("give exactly one of num or step")
        if self.step is not None and self.scale == "log":
            raise ValueError("step applies to scale = 'linear'; use num with scale = 'log'")
        return self


class ParamSpec(_Strict):
    """One swept case key and where its values come from (exactly one source)."""

    key: str = Field(description='dotted key path into the case, e.g. "control.current_density"')
    label: str | None = Field(None, description="name on figures (default: from the key)")
    values: list[Any] | None = Field(None, min_length=1, description="explicit values (any TOML)")
    range: RangeSpec | None = Field(None, description="evenly spaced values")
    uniform: list[NumberOrQuantity] | None = Field(
        None, min_length=2, max_length=2, description="random: [low, high], uniform"
    )
    log_uniform: list[NumberOrQuantity] | None = Field(
        None, min_length=2, max_length=2, description="random: [low, high], uniform in log"
    )

    @property
    def sources(self) -> list[str]:
        """Names of the value sources given (should be exactly one)."""
        names = ("values", "range", "uniform", "log_uniform")
        return [n for n in names if getattr(self, n) is not None]


class AxisSpec(_Strict):
    """One grid dimension: a single key, a zipped group, or a group of random samples."""

    key: str | None = Field(None, description="single key (with values, range or a distribution)")
    label: str | None = None
    values: list[Any] | None = Field(None, min_length=1)
    range: RangeSpec | None = None
    uniform: list[NumberOrQuantity] | None = Field(None, min_length=2, max_length=2)
    log_uniform: list[NumberOrQuantity] | None = Field(None, min_length=2, max_length=2)
    zip: list[ParamSpec] | None = Field(None, min_length=1, description="keys advancing together")
    random: list[ParamSpec] | None = Field(None, min_length=1, description="sampled keys")
    samples: int | None = Field(None, ge=1, description="number of random samples")
    seed: int = Field(0, ge=0, description="seed of the random generator")
    method: Literal["random", "latin"] = Field("random", description="plain or Latin hypercube")

    @model_validator(mode="after")
    def _one_form(self) -> AxisSpec:
        forms = [n for n in ("key", "zip", "random") if getattr(self, n) is not None]
        if len(forms) != 1:
            raise ValueError("an axis needs exactly one of key, zip or random")
        inline = [n for n in ("values", "range", "uniform", "log_uniform") if getattr(self, n)]
        if forms[0] != "key" and (inline or self.label):
            raise ValueError(f"with {forms[0]} = [...], give values inside each entry")
        if forms[0] == "key" and len(inline) != 1:
            raise ValueError("give exactly one of values, range, uniform or log_uniform")
        random = forms[0] == "random" or bool(self.uniform or self.log_uniform)
        if random and self.samples is None:
            raise ValueError("random samples need samples = N (and a seed)")
        if not random and self.samples is not None:
            raise ValueError("samples applies to random axes (uniform, log_uniform, random)")
        return self

    def params(self) -> list[ParamSpec]:
        """The keys of this dimension as :class:`ParamSpec` entries."""
        if self.zip is not None:
            return self.zip
        if self.random is not None:
            return self.random
        fields = ("key", "label", "values", "range", "uniform", "log_uniform")
        return [ParamSpec(**{f: getattr(self, f) for f in fields})]


class MemberSettings(_Strict):
    """How one member runs."""

    mpi: int = Field(1, ge=1, description="MPI ranks per member (1: serial)")
    launcher: Literal["auto", "mpiexec", "srun"] = Field(
        "auto", description="MPI launcher (auto: srun inside a SLURM allocation, else mpiexec)"
    )
    mpiexec: str | None = Field(None, description="mpiexec command (default: next to Python)")
    timeout: str | None = Field(None, description='wall-time limit of a member, e.g. "2 h"')
    retry_failed: bool = Field(True, description="rerun failed members when the sweep reruns")
    threads: int = Field(1, ge=1, description="OMP/BLAS threads per rank")


class ClusterSettings(_Strict):
    """Where members run: a local Dask cluster, a running scheduler, SLURM or PBS."""

    kind: Literal["local", "slurm", "pbs"] = Field("local", description="cluster type")
    scheduler: str | None = Field(None, description="address of a running Dask scheduler")
    workers: int | None = Field(None, ge=1, description="local workers, or batch jobs (slurm/pbs)")
    cores: int | None = Field(None, ge=1, description="cores per batch job")
    memory: str | None = Field(None, description='memory per batch job, e.g. "16 GB"')
    walltime: str | None = Field(None, description='wall time per batch job, e.g. "04:00:00"')
    queue: str | None = Field(None, description="partition (SLURM) or queue (PBS)")
    account: str | None = Field(None, description="account / project to charge")
    directives: list[str] = Field(default_factory=list, description="extra #SBATCH/#PBS options")
    prologue: list[str] = Field(default_factory=list, description="shell lines run first")
    python: str | None = Field(None, description="Python on the compute nodes")
    array_parallel: int | None = Field(None, ge=1, description="job array: tasks at once (%N)")


class ReportSettings(_Strict):
    """What the figures and the report show."""

    metrics: list[str] | None = Field(None, description="metric columns to plot")
    morphology: list[str] | None = Field(
        None, min_length=2, max_length=2, description="the two axis keys of the morphology map"
    )


class SweepFile(_Strict):
    """The root of a sweep file."""

    name: str | None = Field(None, description="sweep name (default: the file name)")
    title: str | None = Field(None, description="one line saying what the sweep studies")
    description: str = ""
    base: str = Field(description="base case file, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides of every member")
    axis: list[AxisSpec] = Field(min_length=1, description="the grid dimensions")
    member: MemberSettings = Field(default_factory=MemberSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str | None) -> str | None:
        """The name becomes a folder under sweeps/: a plain file name, nothing that leaves it."""
        if name is not None and not SAFE_NAME.fullmatch(name):
            raise ValueError(
                "a sweep name is a plain folder name (letters, digits, '.', '_', '-'; at most "
                f"100; not starting with '.'), not a path: got {name[:100]!r}"
            )
        return name
