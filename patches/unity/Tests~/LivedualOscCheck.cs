// Command-line check of LivedualOsc.cs, run by tests/test_patches_files.py with Mono:
//   mcs -out:check.exe LivedualOsc.cs Tests~/LivedualOscCheck.cs && mono check.exe DATAGRAMS
// DATAGRAMS holds datagrams as (int32 little-endian length, bytes) records. It prints the
// skeleton tables, then for every complete frame its fields, the Unity-frame global
// rotations and joint positions; a malformed datagram prints "malformed".
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Livedual;

static class LivedualOscCheck
{
    static string Join(IEnumerable<float> values)
    {
        return string.Join(" ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    }

    static int Main(string[] args)
    {
        Console.WriteLine("names " + string.Join(" ", Smpl.JointNames));
        Console.WriteLine("bones " + string.Join(" ", Smpl.HumanBodyBoneNames));
        Console.WriteLine("parents " + string.Join(" ", Smpl.Parents));
        Console.WriteLine("offsets " + Join(Smpl.RestOffsets));
        Console.WriteLine("rootrest " + Join(Smpl.RootRest));
        Console.WriteLine("pelvisheight " + Join(new[] { Smpl.RestPelvisHeight() }));
        byte[] data = File.ReadAllBytes(args[0]);
        var assembler = new FrameAssembler();
        var frame = new PoseFrame();
        var messages = new List<OscMessage>();
        var rotations = new float[Smpl.JointCount * 4];
        var positions = new float[Smpl.JointCount * 3];
        for (int pos = 0; pos < data.Length;)
        {
            int size = BitConverter.ToInt32(data, pos);
            var datagram = new byte[size];
            Array.Copy(data, pos + 4, datagram, 0, size);
            pos += 4 + size;
            messages.Clear();
            try { OscReader.Read(datagram, 0, size, messages); }
            catch (FormatException) { Console.WriteLine("malformed"); continue; }
            foreach (var message in messages)
            {
                if (!assembler.Push(message, frame)) continue;
                PoseMath.GlobalRotationsUnity(frame, rotations);
                PoseMath.JointPositionsUnity(frame, positions);
                string beat = frame.HasBeat ? frame.Beat.ToString("R", CultureInfo.InvariantCulture) : "none";
                Console.WriteLine("frame " + frame.Index + " " + Join(new[] { frame.Time }) + " " + beat);
                Console.WriteLine("root " + Join(frame.Root));
                Console.WriteLine("quat " + Join(frame.Quaternions));
                Console.WriteLine("global " + Join(rotations));
                Console.WriteLine("position " + Join(positions));
            }
        }
        Console.WriteLine("ignored " + assembler.Ignored);
        return 0;
    }
}
