from setuptools import setup

setup(
    name="workshop-helpers",
    version="1.0",
    packages=["workshop_helpers"],
    package_dir={"": "src"},
)
