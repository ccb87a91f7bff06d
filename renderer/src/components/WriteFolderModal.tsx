import { Code, List, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import classes from './WriteFolderModal.module.css';
import { DialogForm } from './DialogForm';
import { DialogModal } from './DialogModal';
import { ErrorAlert } from './ErrorAlert';
import { SavedFileView } from './SavedFileView';
import type { Outcome } from './useRequest';
import { useSaveForm } from './useSaveForm';

/** The words of one folder-writing dialog, already translated. */
export interface WriteFolderTexts {
  title: string;
  intro: string;
  dir: string;
  dirHint: string;
  dirPlaceholder: string;
  dirRequired: string;
  submit: string;
  submitting: string;
  failed: string;
  doneTitle: string;
  /** Said above the folder's path once written; gets the number of files. */
  doneBody: (count: number) => string;
  files: string;
}

/**
 * Asks for a new or empty folder, has the engine write files into it, and lists what was written
 * (a customer's verification kit, a delivery's records). Test ids start with `testId`.
 */
export function WriteFolderModal({
  opened,
  texts,
  write,
  onClose,
  testId,
}: {
  opened: boolean;
  texts: WriteFolderTexts;
  write: (dir: string) => Promise<Outcome<{ dir: string; files: string[] }>>;
  onClose: () => void;
  testId: string;
}) {
  const { path, setPath, problem, busy, error, written, close, submit } = useSaveForm(
    onClose,
    texts.dirRequired,
    write,
  );

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={texts.title}
      testId={`${testId}-form`}
    >
      {written ? (
        <SavedFileView
          title={texts.doneTitle}
          message={texts.doneBody(written.files.length)}
          path={written.dir}
          testId={`${testId}-done`}
          pathTestId={`${testId}-dir`}
          closeTestId={`${testId}-close`}
          onClose={close}
        >
          <Stack gap={4}>
            <Text size="sm" fw={600} id={`${testId}-files-label`}>
              {texts.files}
            </Text>
            <ScrollArea.Autosize mah={280} type="auto">
              <List
                size="sm"
                spacing={2}
                aria-labelledby={`${testId}-files-label`}
                data-testid={`${testId}-files`}
              >
                {written.files.map((file) => (
                  <List.Item key={file} className={classes.wrapAnywhere}>
                    <Code>{file}</Code>
                  </List.Item>
                ))}
              </List>
            </ScrollArea.Autosize>
          </Stack>
        </SavedFileView>
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={texts.submit}
          busyLabel={texts.submitting}
          testId={`${testId}-submit`}
        >
          <Text size="sm" c="dimmed">
            {texts.intro}
          </Text>
          {error && <ErrorAlert error={error} title={texts.failed} testId={`${testId}-error`} />}
          <TextInput
            label={texts.dir}
            description={texts.dirHint}
            placeholder={texts.dirPlaceholder}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={problem ?? undefined}
            required
            spellCheck={false}
            autoComplete="off"
            classNames={{ input: classes.monoInput }}
            data-autofocus
            data-testid={`${testId}-dir-input`}
          />
        </DialogForm>
      )}
    </DialogModal>
  );
}
