"""Install scogan: GAN, CoGAN and SCoGAN training on TensorFlow/Keras 3."""
from setuptools import setup

setup(
    name="scogan",
    version="0.1.0",
    description="Learn the joint distribution of two image domains from unpaired data "
    "with GANs, Coupled GANs and Soft-Coupled GANs.",
    python_requires=">=3.11",  # tomllib reads the presets
    packages=["Data", "Nets", "Losses", "Penalties", "Trainers", "Trainers.presets", "Utils", "Utils.commands"],
    package_data={"Trainers.presets": ["*.toml"]},
    py_modules=["main"],
    install_requires=[
        "keras>=3.0",
        "tensorflow-datasets>=4.9",
        "scikit-learn>=1.0",
        "numpy",
        "pillow",
        "matplotlib",
        "tqdm",
        "tensorboard",
        "importlib_resources",  # needed by tensorflow-datasets to build datasets
    ],
    # TensorFlow comes as an extra so CPU and GPU users each get the right wheel:
    # pip install -e ".[cpu]"  or  pip install -e ".[gpu]"
    extras_require={
        "cpu": ["tensorflow-cpu>=2.16"],
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        "test": ["pytest>=7"],
    },
    entry_points={"console_scripts": ["scogan=main:main"]},
)
