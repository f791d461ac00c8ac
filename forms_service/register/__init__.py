"""The register: marks and code sets, the figures counted from them, school days, screening, and a
synthetic school's register."""
