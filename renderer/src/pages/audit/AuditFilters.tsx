import { Button, CloseButton, Group, TextInput, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFilterOff, IconSearch } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../../store';
import { emptyAuditForm, localTimeToIso, queryFromForm, type AuditForm } from '../../store/audit';
import classes from './AuditPage.module.css';

/** Typing settles for this long before the engine is asked again. */
const DEBOUNCE_MS = 300;

const textFields = [
  { name: 'actor', placeholder: 'audit.filters.actorPlaceholder' },
  { name: 'action', placeholder: 'audit.filters.actionPlaceholder' },
  { name: 'customer', placeholder: null },
  { name: 'release', placeholder: 'audit.filters.releasePlaceholder' },
  { name: 'key', placeholder: 'audit.filters.keyPlaceholder' },
] as const;

/** Time range, actor, action, customer, release, key and free text; each change re-queries. */
export function AuditFilters() {
  const { t } = useTranslation();
  const form = useStore((state) => state.audit.form);
  const setForm = useStore((state) => state.audit.setForm);
  const resetForm = useStore((state) => state.audit.resetForm);
  const setQuery = useStore((state) => state.audit.setQuery);
  const [settled] = useDebouncedValue(form, DEBOUNCE_MS);

  // Runs on arrival too, so the page always opens on the log as it is now.
  useEffect(() => {
    void setQuery(queryFromForm(settled));
  }, [settled, setQuery]);

  const timeError = (value: string) =>
    value.trim() && !localTimeToIso(value) ? t('audit.filters.badTime') : null;
  const blank = (Object.keys(form) as (keyof AuditForm)[]).every(
    (name) => form[name] === emptyAuditForm[name],
  );

  return (
    <fieldset className={classes.filters} data-testid="audit-filters">
      <VisuallyHidden component="legend">{t('audit.filters.label')}</VisuallyHidden>
      <Group gap="sm" align="flex-end">
        <TextInput
          className={classes.searchField}
          label={t('audit.filters.search')}
          placeholder={t('audit.filters.searchPlaceholder')}
          leftSection={<IconSearch size={16} aria-hidden />}
          rightSection={
            form.search ? (
              <CloseButton
                size="sm"
                aria-label={t('audit.filters.clearSearch')}
                onClick={() => setForm({ search: '' })}
              />
            ) : null
          }
          value={form.search}
          onChange={(event) => setForm({ search: event.currentTarget.value })}
          data-testid="audit-search"
        />
        <TextInput
          className={classes.filterField}
          type="datetime-local"
          step={1}
          label={t('audit.filters.since')}
          value={form.since}
          onChange={(event) => setForm({ since: event.currentTarget.value })}
          error={timeError(form.since)}
          data-testid="audit-filter-since"
        />
        <TextInput
          className={classes.filterField}
          type="datetime-local"
          step={1}
          label={t('audit.filters.until')}
          value={form.until}
          onChange={(event) => setForm({ until: event.currentTarget.value })}
          error={timeError(form.until)}
          data-testid="audit-filter-until"
        />
      </Group>
      <Group gap="sm" align="flex-end" mt="sm">
        {textFields.map(({ name, placeholder }) => (
          <TextInput
            key={name}
            className={classes.filterField}
            label={t(`audit.filters.${name}`)}
            placeholder={placeholder ? t(placeholder) : undefined}
            value={form[name]}
            onChange={(event) => setForm({ [name]: event.currentTarget.value })}
            spellCheck={false}
            autoComplete="off"
            data-testid={`audit-filter-${name}`}
          />
        ))}
        <Button
          variant="default"
          leftSection={<IconFilterOff size={16} aria-hidden />}
          onClick={resetForm}
          disabled={blank}
          data-testid="audit-clear-filters"
        >
          {t('audit.filters.clear')}
        </Button>
      </Group>
    </fieldset>
  );
}
