"""What each setting of a job means, written once: the fields of :class:`phiner.pipeline.RedactOptions` (and of
:class:`phiner.ray.RaySettings`) carry these texts as their ``help``, and the command line shows the same texts for
its options of the same name (``--text-field``, ``--batch-size``, ``--workers``), so a setting reads alike wherever
it is set."""

from __future__ import annotations

JOB: dict[str, str] = {
    "operator": "tag, mask, remove or surrogate.",
    "seed": "Test seed instead of a secret: anyone who knows it can recompute the surrogates.",
    "text_field": "JSONL key or table column holding the text (redact writes the safe text in its place; predict "
    "keeps it).",
    "id_field": "JSONL key or table column holding each document's id (--resume and surrogates follow it; else a "
    "hash of the text).",
    "patient_field": "JSONL key or table column holding the patient id: one date shift and name map per patient, in "
    "any file or run (with a secret).",
    "keep_original": "Also keep the original text under this JSONL key (PHI stays in the output!).",
    "known_field": "JSONL key holding a record's known PHI ({TYPE: [values]}); absent keys are fine.",
    "batch_size": "Documents tagged and written together (a resumed job redoes at most one batch; Ray: rows per "
    "batch).",
    "max_chars": "JSONL and tables: refuse the job if a text (a cell of the text column) is longer than this many "
    "characters, before the model loads.",
}
"""Setting name -> its help text."""

RAY: dict[str, str] = {
    "workers": "Actors, each loading the model once.",
    "num_cpus_per_worker": "CPUs (threads) per actor.",
    "num_gpus_per_worker": "GPUs per actor; a fraction shares one.",
    "address": "A running cluster to join (auto, or HOST:PORT of `ray start --head`); none: start a local one.",
}
"""A Ray job's setting (:class:`phiner.ray.RaySettings`' field, ``--engine ray``'s option) -> its help text."""
