"""Planning analysis: coverage of demand by service points, and where to place new ones.

Everything metric is done in a projected CRS (the UTM zone of the area), with numpy,
scipy and set-based SQL; the placement models are solved to proven optimality with
HiGHS. Demand comes through the jurisdiction gate (:mod:`gis.gate.demand`) as counts per
building; nothing here reads households or persons itself.

Modules: ``instance`` (demand and sites as arrays), ``coverage`` (distances, tables,
gap areas), ``network`` (road graph, walking distances), ``placement`` (the entry point
for MCLP, set cover, p-median), with the models in ``covering`` (MCLP, set cover,
capacitated MCLP; on ``coverage_sets`` and ``mclp``) and ``pmedian`` (on
``pmedian_candidates`` and ``pmedian_radius``); ``plans`` (planning jobs), ``solver``
(HiGHS).
"""
