import type { Box, Point } from '../vision/image.js';
import type { FaceRecord, NewFace, FaceVector, FacePage, FaceState, FaceFilter } from './catalog-records.js';

/**
 * Faces: their boxes, embeddings and neighbours, faces drawn by hand, and "not a face". A part of
 * the catalog port (catalog.ts); every method is one transaction.
 */
export interface FaceCatalog {
  getFace(id: number): Promise<FaceRecord | null>;
  listFaces(filter?: FaceFilter): Promise<FaceRecord[]>;
  getFaceVectors(ids: number[]): Promise<FaceVector[]>;
  /** The faces among `ids` that exist, without their embeddings (what clustering reads of a neighbour). */
  faceStates(ids: number[]): Promise<FaceState[]>;
  /**
   * Every face of the model with its embedding, by id, for building an in-process index; doubtful
   * faces no person decided about are left out. With `page`, one page of them (a re-cluster of a
   * million faces never holds them all as objects).
   */
  allFaceVectors(model: string, page?: FacePage): Promise<FaceVector[]>;
  getEmbedding(faceId: number): Promise<Float32Array | null>;
  /**
   * The `k` faces of the model nearest to `embedding` by cosine distance, nearest first (ties by
   * face id). Faces whose embedding has another length never match.
   */
  nearestFaces(embedding: Float32Array, k: number, model: string): Promise<Array<{ faceId: number; distance: number }>>;
  /** The persons of the other faces of the faces' photos (cannot-link). */
  peopleInPhoto(photoId: number): Promise<Array<{ faceId: number; personId: number | null }>>;
  /**
   * Adds a face drawn by hand to an indexed photo (`manual`), keeping its other faces; a
   * re-index of the photo keeps it too. Returns the new face id.
   */
  addManualFace(photoId: number, face: NewFace): Promise<number>;
  /**
   * Faces embedded by another model than `model` on indexed photos, with their photo's path, at
   * most `limit`: what a change of embedder leaves to embed again (faces drawn by hand, decisions
   * kept on faces the new detector missed). With `photoModel`, only on photos analysed by those
   * models (`PhotoRecord.model`): photos an index run has not analysed again keep their faces as
   * they are until it does.
   */
  facesOfOtherModels(model: string, limit: number, photoModel?: string): Promise<Array<FaceRecord & { path: string }>>;
  /** Replaces faces' embeddings (and the landmarks and quality that came with them), keeping everything else. */
  setFaceEmbeddings(updates: ReadonlyArray<{ faceId: number; embedding: Float32Array; model: string; landmarks: Point[]; quality: number }>): Promise<void>;
  /**
   * "Not a face": deletes a detected face (embedding and links) and remembers its box, so a
   * re-analysis of the photo drops a detection there. Returns thumbnails no face uses any more.
   */
  dismissFace(faceId: number): Promise<{ removedThumbKeys: string[] }>;
  /** The boxes dismissed on the photo at `path`. */
  dismissedBoxes(path: string): Promise<Box[]>;
}
