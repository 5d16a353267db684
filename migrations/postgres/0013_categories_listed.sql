-- See migrations/sqlite/0013_categories_listed.sql.
ALTER TABLE papers ADD COLUMN categories_listed BOOLEAN NOT NULL DEFAULT false;
UPDATE papers SET categories_listed = true WHERE EXISTS (
    SELECT 1 FROM (
        SELECT categories AS list FROM papers
        WHERE length(categories) - length(replace(categories, ' ', '')) >= 3
        GROUP BY categories HAVING count(*) >= 10 AND count(*) * 20 >= (SELECT count(*) FROM papers)
    ) AS feeds WHERE strpos(papers.categories, feeds.list) > 0);
