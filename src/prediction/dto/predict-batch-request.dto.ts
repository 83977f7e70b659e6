import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { MAX_BATCH_SIZE, MAX_TEXT_LENGTH, TrimStrings } from './message-text.js';

export class PredictBatchRequestDto {
  @TrimStrings()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_SIZE)
  @IsString({ each: true })
  @Length(1, MAX_TEXT_LENGTH, {
    each: true,
    message: `each of texts must be 1 to ${MAX_TEXT_LENGTH} characters after trimming`,
  })
  texts!: string[];

  /** Also return the decomposition of each score (docs/api.md "Explanations"). */
  @IsOptional()
  @IsBoolean()
  explain?: boolean;
}
