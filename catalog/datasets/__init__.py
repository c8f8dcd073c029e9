"""Datasets: reading and publishing them, who may see and change them, their organisations,
previews, licences, URL names and the sample datasets."""
