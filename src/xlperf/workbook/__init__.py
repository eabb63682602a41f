"""Workbook adapters: the documented layout (layout.py), writing (build.py) and reading (read.py).

Kept out of xlperf.core so that the engine never imports openpyxl or XlsxWriter.
"""
