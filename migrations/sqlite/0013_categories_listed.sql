-- Whether a paper's `categories` are only those of the feeds it was listed in (a source that
-- knows categories per feed, not per paper): shown as "listed in" and never as a primary class.
ALTER TABLE papers ADD COLUMN categories_listed INTEGER NOT NULL DEFAULT 0;
-- Papers imported before this column: a list of four or more categories shared by at least one
-- paper in twenty, and by ten, is a feed's list (no paper's own list is that common), and so is any list
-- that holds one (a paper announced in several feeds). The importer applies the same rule.
UPDATE papers SET categories_listed = 1 WHERE EXISTS (
    SELECT 1 FROM (
        SELECT categories AS list FROM papers
        WHERE length(categories) - length(replace(categories, ' ', '')) >= 3
        GROUP BY categories HAVING count(*) >= 10 AND count(*) * 20 >= (SELECT count(*) FROM papers)
    ) AS feeds WHERE instr(papers.categories, feeds.list) > 0);
