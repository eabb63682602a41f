"""The 自评报告: the Word document rendered from the narrative, its chart, and the PDF made from it."""
