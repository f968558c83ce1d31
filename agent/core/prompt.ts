import { DocumentBlock, ImageBlock, TextBlock, type ContentBlock } from '@strands-agents/sdk';
import type { LoadedDocument } from './document.js';

/** The placeholder a prompt uses for the classification found by an earlier workflow step. */
export const CLASSIFICATION_PLACEHOLDER = '[ACTUAL_CLASSIFICATION]';

/**
 * The prompt with every placeholder replaced by the request's classification. Without a
 * classification the prompt is left as written, as the seed agent did.
 */
export function applyClassification(prompt: string, classification: string | undefined): string {
  return classification === undefined ? prompt : prompt.split(CLASSIFICATION_PLACEHOLDER).join(classification);
}

/** The user message: the prompt followed by the document, inline or as an attached block. */
export function buildUserContent(prompt: string, document: LoadedDocument): ContentBlock[] {
  switch (document.kind) {
    case 'text':
      return [new TextBlock(`${prompt}\n\nAttached document content (${document.origin}) is as follows:\n${document.text}`)];
    case 'document':
      return [
        new TextBlock(`${prompt}\n\nThe attached document is ${document.origin}.`),
        new DocumentBlock({ name: document.name, format: document.format, source: { bytes: document.bytes } }),
      ];
    case 'image':
      return [
        new TextBlock(`${prompt}\n\nThe attached image is ${document.origin}.`),
        new ImageBlock({ format: document.format, source: { bytes: document.bytes } }),
      ];
  }
}
