"""Dataset folders and the sources that fill them: Nor-DeID-SynthData and phiner's generators."""
