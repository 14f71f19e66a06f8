-- Custom migration: keeps search_terms (db/schema/search.ts) filled with the words of every agent's
-- name and description, whoever writes the row. Words are inserted in sorted order so that two
-- transactions adding overlapping words wait for each other instead of deadlocking.
CREATE FUNCTION search_terms_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_terms (term)
  SELECT DISTINCT word
  FROM unnest(tsvector_to_array(to_tsvector('simple', NEW.name || ' ' || NEW.description))) AS word
  WHERE word ~ '^[[:alpha:]]{3,40}$'
  ORDER BY word
  ON CONFLICT (term) DO NOTHING;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER agents_search_terms_insert AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION search_terms_collect();--> statement-breakpoint
CREATE TRIGGER agents_search_terms_update AFTER UPDATE OF name, description ON agents FOR EACH ROW EXECUTE FUNCTION search_terms_collect();--> statement-breakpoint
INSERT INTO search_terms (term)
SELECT DISTINCT word
FROM agents, unnest(tsvector_to_array(to_tsvector('simple', agents.name || ' ' || agents.description))) AS word
WHERE word ~ '^[[:alpha:]]{3,40}$'
ON CONFLICT (term) DO NOTHING;
